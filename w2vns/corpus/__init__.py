"""From text to what the kernel reads: tokenising and encoding (``encode``), the vocabulary
(``vocab``), the samplers' tables (``sampling``), phrase detection, and generated corpora for
tests and demos (``synthetic``)."""
