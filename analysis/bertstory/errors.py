"""The one exception type that reaches users as a one-line message."""


class BertstoryError(Exception):
    """A problem with the user's input or environment.

    The CLI prints ``Error: <message>`` on one line and exits with status 2; no
    traceback. Raise it with a message that says what is wrong and what to do.
    """
