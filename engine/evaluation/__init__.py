"""Quality assessment of files, quicklooks, contact sheets and the evaluation harness."""
