
__all__ = ["InputFileError"]
class InputFileError(Exception):
    """A foot file that cannot be used; the message says what was found and what to do."""
