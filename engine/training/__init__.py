"""The training toolkit shared by Feature Tailor (engine/adapt) and SWIFT (engine/swift): patches, losses,
optimiser."""
