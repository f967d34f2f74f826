"""extract: Chinese government PDFs and notices to tidy, traceable datasets."""

__version__ = "0.1.0"
