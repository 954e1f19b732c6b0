"""The same training, written plainly: one NumPy function, and PyTorch where it is installed.

Both do exactly what annlab's Trainer does, so that the difference is the engine's overhead:
every epoch, the loss of the epoch-start parameters over all data (annlab's ``losses[k]``),
then one SGD step per shuffled mini-batch (the same seeded order), hidden layers ``relu``
or ``tanh``, a softmax output and categorical cross-entropy (mean over data points).
"""

from __future__ import annotations

import numpy as np

EPS = 1e-15


def _hidden(name: str, h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0) if name == "relu" else np.tanh(h)


def _softmax(h: np.ndarray) -> np.ndarray:
    e = np.exp(h - h.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def numpy_train(weights, biases, activations, x, y, lr, epochs, batch, seed):
    """Plain NumPy SGD; returns the final parameters and every epoch's loss."""
    W = [w.copy() for w in weights]
    b = [v.copy() for v in biases]
    losses = []
    rows = x.shape[0]
    batch = batch or rows

    def forward(xb):
        acts = [xb]
        for l, (w, v) in enumerate(zip(W, b)):
            h = acts[-1] @ w + v
            acts.append(_softmax(h) if l == len(W) - 1 else _hidden(activations[l], h))
        return acts

    for epoch in range(1, epochs + 1):
        p = forward(x)[-1]
        losses.append(-np.mean(np.sum(y * np.log(np.clip(p, EPS, 1 - EPS)), axis=-1)))
        order = np.random.default_rng((seed, epoch)).permutation(rows)
        for start in range(0, rows, batch):
            idx = order[start : start + batch]
            xb, yb = x[idx], y[idx]
            acts = forward(xb)
            p = acts[-1]
            grad_p = -yb / np.clip(p, EPS, 1 - EPS) / p.shape[0]
            delta = p * (grad_p - (grad_p * p).sum(axis=-1, keepdims=True))
            for l in range(len(W) - 1, -1, -1):
                gw, gb = acts[l].T @ delta, delta.sum(axis=0)
                if l > 0:
                    up = delta @ W[l].T
                    a = acts[l]
                    delta = up * (a > 0) if activations[l - 1] == "relu" else up * (1 - a * a)
                W[l] -= lr * gw
                b[l] -= lr * gb
    # What annlab's Run reports besides: the final predictions and loss over all data.
    p = forward(x)[-1]
    final_loss = -np.mean(np.sum(y * np.log(np.clip(p, EPS, 1 - EPS)), axis=-1))
    return W, b, np.array(losses), p, final_loss


def torch_available() -> str | None:
    """None if PyTorch can be used here, else why not (the benchmark then skips it)."""
    try:
        import torch  # noqa: F401
    except Exception as exc:  # not installed, or a broken install
        return f"PyTorch is not installed ({type(exc).__name__})"
    return None


def torch_train(weights, biases, activations, x, y, lr, epochs, batch, seed, dtype="float64"):
    """The same SGD in PyTorch on the CPU, written as a PyTorch user would: autograd and
    F.cross_entropy on the logits (log-softmax fused), in the given dtype."""
    import torch
    import torch.nn.functional as F

    tdtype = getattr(torch, dtype)
    W = [torch.tensor(w, dtype=tdtype, requires_grad=True) for w in weights]
    b = [torch.tensor(v, dtype=tdtype, requires_grad=True) for v in biases]
    X = torch.tensor(x, dtype=tdtype)
    labels = torch.tensor(y.argmax(axis=1))
    rows = x.shape[0]
    batch = batch or rows
    losses = []

    def logits(xb):
        a = xb
        for l, (w, v) in enumerate(zip(W, b)):
            h = a @ w + v
            a = h if l == len(W) - 1 else (torch.relu(h) if activations[l] == "relu" else torch.tanh(h))
        return a

    for epoch in range(1, epochs + 1):
        with torch.no_grad():
            losses.append(float(F.cross_entropy(logits(X), labels)))
        order = torch.from_numpy(np.random.default_rng((seed, epoch)).permutation(rows))
        for start in range(0, rows, batch):
            idx = order[start : start + batch]
            loss = F.cross_entropy(logits(X[idx]), labels[idx])
            for p in W + b:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in W + b:
                    p -= lr * p.grad
    with torch.no_grad():
        final = logits(X)
        final_loss = float(F.cross_entropy(final, labels))
    return [w.detach().numpy() for w in W], [v.detach().numpy() for v in b], np.array(losses), torch.softmax(final, 1).numpy(), final_loss
