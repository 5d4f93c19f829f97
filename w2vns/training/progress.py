"""The progress protocol: what a training run reports to whoever shows it."""


class Progress:
    """What the main thread shows while workers run; subclass or pass callbacks to observe."""

    def counting(self, done, total):
        """Counting pass: ``done`` of ``total`` (None if unknown) input bytes read."""

    def training_start(self, total_words, epochs=1, corpus_words=None):
        """Training starts; ``total_words`` = kept-word tokens x ``epochs`` (the unit of
        ``training``'s ``words_done``); ``corpus_words`` = the corpus's tokens as counted
        (before ``min_count``) x epochs, the unit of the run's words/s (None: unknown)."""

    def training(self, words_done, alpha, loss):
        """Called a few times a second with cumulative words, current lr, mean recent loss."""

    def close(self):
        """Training ended (normally or not)."""
