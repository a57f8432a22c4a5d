"""The exceptions lenetlab raises for problems a user can fix.

Every error a user can cause (a missing file, a corrupt download, an image that
cannot be read, a checkpoint of the wrong shape) is a :class:`LenetlabError`
whose message is one line naming the file or field and what was wrong. The
command line prints that line and exits non-zero, without a traceback; any
other exception is a bug and keeps its traceback.
"""


class LenetlabError(Exception):
    """A problem with the user's input, files or settings, explained in one line."""


class DataError(LenetlabError):
    """A data set file is missing, truncated, corrupt or of the wrong kind."""


class CheckpointError(LenetlabError):
    """A checkpoint cannot be read or does not fit the model it is loaded into."""


class ImageError(LenetlabError):
    """An image cannot be read, is too large, or holds nothing to recognise."""


class ConfigError(LenetlabError):
    """A setting has a value lenetlab cannot use."""
