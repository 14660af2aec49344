"""Regional children's social care warehouse: the `csc` command and its modules."""

__version__ = "0.1.0"
