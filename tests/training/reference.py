"""numpy references shared by the kernel's update-rule tests: the kernel's sigmoid, and how one
window's gradient scales become steps of the input and output rows, whatever the loss."""
import numpy as np


def table_sigmoid(x):
    """The kernel's sigmoid: word2vec's 1000-entry table over [-6, 6], saturated beyond."""
    grid = (np.arange(1001) / 1000 * 2 - 1) * 6
    table = (np.exp(grid) / (np.exp(grid) + 1)).astype(np.float32)
    x = np.asarray(x, dtype=np.float32)
    index = ((x + np.float32(6)) * np.float32(1000 / 12)).astype(np.int64).clip(0, 1000)
    return np.where(x > 6, 1.0, np.where(x < -6, 0.0, table[index]))


def step_window(syn0, output, contexts, targets, scales, fast, sequential=False, bias=None):
    """Train one window's ``contexts`` (rows of ``syn0``) against its ``targets`` (rows of
    ``output``), in place: ``scales(scores)`` turns one context's scores against the targets'
    rows into their gradient scales (learning rate included); ``bias`` (or None), per-target
    output biases, moves by each target's scale (d logit / d b = 1).

    Fast: every context's scales from the rows as they were at the start; then one summed step
    for each output row, or, ``sequential`` (a group of a window split in several), the steps
    context by context: its error from the output rows as the contexts before it left them,
    then their steps towards it as it stood at the start. The inputs move last.
    Reference (not ``fast``): one pair per context in turn, each output row updated as soon as
    its error share is taken (a repeated target sees its own earlier update), as word2vec."""
    if fast:
        inputs = syn0[contexts]
        rows = output[targets]
        grads = np.array([scales(rows @ x) for x in inputs])
        if sequential:
            errors = np.zeros_like(inputs)
            for j, x in enumerate(inputs):
                errors[j] = grads[j] @ output[targets]
                np.add.at(output, targets, np.outer(grads[j], x))
            np.add.at(syn0, contexts, errors)
        else:
            np.add.at(syn0, contexts, grads @ rows)
            np.add.at(output, targets, grads.T @ inputs)
        if bias is not None:
            np.add.at(bias, targets, grads.sum(axis=0))
        return
    for context in contexts:
        x = syn0[context].copy()
        g = scales(output[targets] @ x)
        error = np.zeros(syn0.shape[1])
        for scale, o in zip(g, targets):
            error += scale * output[o]
            output[o] += scale * x
            if bias is not None:
                bias[o] += scale
        syn0[context] += error
