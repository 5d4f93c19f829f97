"""Named sets of training defaults for kinds of data, e.g. ``items`` for baskets and sessions.

A preset only fills in parameters the user did not give: ``apply_preset("items", params,
given)`` returns the parameters with the preset's values put in for every name not in
``given``, and the values it used (for the summary line and the report).
"""

#: name -> what kind of data it is for.
KINDS = {"items": "baskets or sessions, one per line"}

#: name -> {TrainParams field: value}.
PRESETS = {
    # Baskets / sessions (item2vec, Barkan & Koenigstein 2016): every item counts, however rare
    # (min-count 1); no subsampling, since frequent items are informative in baskets; and more
    # epochs, as lines are short and the corpus small (Caselles-Dupré et al. 2018 tune these):
    # 40, since a catalogue of many rarely seen items (short baskets) learns them slowly;
    # on sessions the extra passes were within noise of 20.
    # Window 20, not the whole line: in a basket of up to 21 items every item is within reach
    # of every other (the reduced window, drawn per item as word2vec does, weighs nearer items
    # more; most baskets are shorter), while in a long session in time order the items near
    # an item say more about it than those hundreds of items away, and the cost of a line
    # grows with its length instead of its square. Next-item hit rates at 20 were level with
    # the whole line's on baskets and short sessions, a little either side on lines a few
    # windows long, and far higher on lines of hundreds of items.
    # Uniform noise (power 0): output-vector scores then rank items by how often they share a
    # line (popularity included), what short baskets reward; on long sessions that ranking
    # drifts to popularity and cosine or recency-weighted output scores win, with other noise
    # powers at times, so evaluate-rec picks the scoring and the noise power (this 0 among
    # others) on a held-out split (apps/recommend.py).
    # 10 noise words, not text's 5: word2vec advises 5-20 for small data sets, and item data
    # sets are small; 10 ranked the next item better than 5 on 11 of 13 real and generated
    # sets (20 a little better still, at twice 10's time).
    # docs/recommendation.md has the measurements on baskets and sessions of 7 to 700 items.
    "items": {"window": 20, "min_count": 1, "sample": 0.0, "epochs": 40, "noise_power": 0.0,
              "negative": 10},
}


def apply_preset(name, params, given=()):
    """``(params with the preset filled in, {name: value} actually taken from the preset})``.

    ``params`` is a dict of training parameters, ``given`` the names the user set explicitly
    (those keep their value).  ``name=None`` changes nothing.  An unknown name raises
    ValueError.
    """
    if name is None:
        return dict(params), {}
    if name not in PRESETS:
        raise ValueError("unknown preset %r (known: %s)" % (name, ", ".join(sorted(PRESETS))))
    used = {key: value for key, value in PRESETS[name].items() if key not in given}
    return dict(params, **used), used


def describe_values(values):
    """{"min_count": 1, ...} -> 'min-count 1, ...' (as the options are spelled)."""
    return ", ".join("%s %s" % (key.replace("_", "-"), value) for key, value in values.items())


def describe(name, used):
    """'preset items: window 20, min-count 1, ...' for a summary line ('' without a preset)."""
    if name is None:
        return ""
    return "preset %s: %s" % (name, describe_values(used) or "all overridden")
