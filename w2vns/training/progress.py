"""The progress protocol: what a training run reports to whoever shows it."""


class Progress:
    """What the main thread shows while workers run; subclass or pass callbacks to observe."""

    def counting(self, done, total):
        """Counting pass: ``done`` of ``total`` (None if unknown) input bytes read."""

    def training_start(self, total_words):
        """Training starts; ``total_words`` = kept-word tokens x epochs."""

    def training(self, words_done, alpha, loss):
        """Called a few times a second with cumulative words, current lr, mean recent loss."""

    def close(self):
        """Training ended (normally or not)."""
