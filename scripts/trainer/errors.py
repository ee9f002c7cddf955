"""The one failure the trainer reports as the user's: bad input, exit status 2."""


class TrainError(Exception):
    """A config, dataset, checkpoint or option the trainer cannot use; the message names it."""
