"""extract: Chinese government PDFs and notices to tidy, traceable datasets.

    >>> import extract
    >>> doc = extract.extract_file("corpus/zhejiang-notice-2018-30.pdf")
    >>> doc.meta.doc_number
    '浙政办发〔2018〕30号'
"""

__version__ = "0.1.0"

from .pipeline import extract_file  # noqa: E402

__all__ = ["__version__", "extract_file"]
