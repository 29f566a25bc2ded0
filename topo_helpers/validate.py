"""One way to check the inputs of a public function: each check raises ``ValueError`` saying what to do.

Every public function of :mod:`topo_helpers` that takes arrays, counts or distributions from a user
checks them with these helpers, so the same mistake gets the same kind of error and a message
naming the argument:

>>> integer(True, "k")
Traceback (most recent call last):
...
ValueError: k must be an integer, got True (bool)
>>> distribution([2, 2], "P")
Traceback (most recent call last):
...
ValueError: P must sum to 1 along its last axis (sums 4); normalise it first, e.g. P / P.sum(-1, keepdims=True)
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["integer", "number", "finite_array", "points", "distribution", "class_labels", "same_length"]


def integer(value: object, name: str, minimum: int | None = None) -> int:
    """``value`` as an ``int``; bools, non-integral floats and strings are refused.

    Raises
    ------
    ValueError
        If ``value`` is not an integer (``2.0`` is accepted, ``2.5`` and ``True`` are not) or is
        below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if not float(value).is_integer():
        raise ValueError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {out}")
    return out


def number(value: object, name: str, minimum: float | None = None, maximum: float | None = None,
           *, open_min: bool = False) -> float:
    """``value`` as a finite ``float`` in ``[minimum, maximum]`` (``(minimum, ...`` when ``open_min``).

    Raises
    ------
    ValueError
        If ``value`` is a bool, a string, NaN, infinite or out of range.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    if minimum is not None and (out <= minimum if open_min else out < minimum):
        raise ValueError(f"{name} must be {'above' if open_min else 'at least'} {minimum}, got {out}")
    if maximum is not None and out > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {out}")
    return out


def finite_array(x: object, name: str, ndim: int | tuple[int, ...] | None = None,
                 min_rows: int = 0) -> np.ndarray:
    """``x`` as a float64 array with no NaN or inf, of the given number of dimensions.

    Raises
    ------
    ValueError
        If ``x`` is not numeric, has the wrong number of dimensions, fewer than ``min_rows`` rows,
        or holds NaN or inf (with the count, and a hint to drop or impute them).
    """
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array: {err}") from None
    if ndim is not None:
        want = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in want:
            dims = " or ".join(f"{d}-D" for d in want)
            raise ValueError(f"{name} must be {dims}, got shape {a.shape}"
                             + ("; reshape a single point with x[None, :] or a 1-D cloud with x[:, None]"
                                if a.ndim == 1 and 2 in want else ""))
    if a.ndim >= 1 and a.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {a.shape[0]}")
    bad = ~np.isfinite(a)
    if bad.any():
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite entries; drop or impute them first")
    return a


def distribution(P: object, name: str, axis: int = -1, atol: float = 1e-6) -> np.ndarray:
    """``P`` as float64 probabilities: finite, non-negative, each slice along ``axis`` summing to 1.

    Raises
    ------
    ValueError
        If an entry is NaN, infinite or negative, or a slice does not sum to 1 within ``atol``
        (the message suggests how to normalise counts).
    """
    a = finite_array(P, name)
    if a.ndim == 0:
        raise ValueError(f"{name} must be an array of probabilities, got a scalar")
    if (a < 0).any():
        raise ValueError(f"{name} has negative entries (min {a.min():g}); probabilities are non-negative")
    s = a.sum(axis=axis)
    if not np.allclose(s, 1.0, rtol=0, atol=atol):
        worst = np.ravel(s)[np.argmax(np.abs(np.ravel(s) - 1))]
        where = "its last axis" if axis == -1 else f"axis {axis}"
        raise ValueError(f"{name} must sum to 1 along {where} (sums {worst:g}); normalise it first, "
                         f"e.g. {name} / {name}.sum({axis}, keepdims=True)")
    return a


def class_labels(labels: object, name: str, n_classes: int | None = None) -> tuple[np.ndarray, int]:
    """Integer class labels ``0 .. n_classes - 1`` and the number of classes.

    Raises
    ------
    ValueError
        If a label is not an integer (``0.5``), negative, or not below ``n_classes``.
    """
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one class per image), got shape {y.shape}")
    if y.dtype.kind == "b" or y.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be integer class indices, got dtype {y.dtype}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"{name} must be integer class indices; got non-integral values")
    y = y.astype(np.int64)
    if len(y) and y.min() < 0:
        raise ValueError(f"{name} must be class indices from 0; got {int(y.min())}")
    if n_classes is None:
        n_classes = int(y.max()) + 1 if len(y) else 0
    n_classes = integer(n_classes, "n_classes", minimum=1)
    if len(y) and y.max() >= n_classes:
        raise ValueError(f"{name} holds class {int(y.max())}, outside 0..{n_classes - 1}; pass the right "
                         "n_classes or drop those images")
    return y, n_classes


def same_length(a: np.ndarray, b: np.ndarray, names: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have as many entries (``names``: "x and y")."""
    if len(a) != len(b):
        raise ValueError(f"{names} must have the same length; got {len(a)} and {len(b)}")


def points(X: np.ndarray, name: str = "X") -> np.ndarray:
    """A point cloud as a C-contiguous float64 ``(N, d)`` array, ``N, d >= 1``, all values finite.

    Raises
    ------
    ValueError
        If ``X`` is not numeric, not 2-D, empty, or has rows with NaN or inf (the message names
        how many and how to drop them).
    """
    try:
        A = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a numeric array of shape (N, d); could not convert it ({exc})."
        ) from exc
    if A.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (N, d) with one point per row; got "
            f"an array with shape {A.shape}. Reshape it, e.g. X.reshape(len(X), -1)."
        )
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {A.shape}); pass at least one point with d >= 1.")
    if not np.all(np.isfinite(A)):
        bad = int(np.count_nonzero(~np.isfinite(A).all(axis=1)))
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad} row(s); drop or repair those "
            f"points first (e.g. X = X[np.isfinite(X).all(axis=1)])."
        )
    return np.ascontiguousarray(A)
