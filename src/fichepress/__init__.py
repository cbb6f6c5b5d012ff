"""fichepress: publish series of fact-sheets from YAML as print-ready and accessible PDF."""

__version__ = "0.1.0"
