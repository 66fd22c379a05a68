"""A scikit-learn-style NMF estimator wrapping :func:`nmfab.factorize`.

scikit-learn convention: ``X`` is (n_samples, n_features) and
``X ~ transform(X) @ components_``. nmfab factorizes ``V = X.T`` (features x
samples) as ``W H``, so ``components_ = W.T`` and ``transform(X) = H.T``. This is
what :func:`librosa.decompose.decompose` expects from its ``transformer``.
"""
import inspect

import numpy as np

from .algorithms import ALGORITHMS
from .backend import as_float, like, namespace, resolve_dtype
from .divergences import beta_divergence, safe_data
from .errors import NmfabError
from .nmf import as_array, factorize


def reconstruction_error(X, components, activations, beta):
    """scikit-learn's ``reconstruction_err_``: ``sqrt(2 * D_beta(X | activations @ components))``.

    For beta = 2 this is the Frobenius norm ``||X - activations @ components||_F``; the
    divergence is nmfab's (:func:`nmfab.divergences.beta_divergence`, with its eps policy).

    Parameters
    ----------
    X : array (n_samples, n_features)
    components : array (K, n_features)
    activations : array (n_samples, K)
    beta : float

    Returns
    -------
    float
    """
    V = safe_data(as_float(X.T, resolve_dtype(components, None), copy=beta <= 0), beta)
    divergence = beta_divergence(V, components.T, activations.T, beta)
    return float(np.sqrt(2.0 * max(divergence, 0.0)))


class NMF:
    """Nonnegative matrix factorization estimator (fit / transform / fit_transform).

    Parameters
    ----------
    n_components : int
        Rank K.
    algorithm : str
        "mu", "hals" or "nenmf" (see :data:`nmfab.ALGORITHMS`).
    beta : float or {"frobenius", "kullback-leibler", "itakura-saito"}
    init : str
    max_iter : int
    tol : float
    l1_H : float
        L1 weight on the activations (``transform`` output).
    seed : int or None
    dtype : str or None
    algorithm_params : dict or None
        Extra algorithm parameters (e.g. ``{"inner_iter": 10}``).

    Attributes
    ----------
    components_ : array (n_components, n_features)
    n_components_ : int
    n_iter_ : int
    reconstruction_err_ : float
        As in scikit-learn: ``sqrt(2 * D_beta(X | transform(X) @ components_))`` at the end
        of fit, i.e. the Frobenius norm ``||X - WH||_F`` for beta = 2 (the L1 penalty is
        not included; the full objective is ``result_.loss[-1]``).
    result_ : NMFResult of the last fit
    """

    def __init__(self, n_components=None, *, algorithm="mu", beta=2.0, init="nndsvda",
                 max_iter=200, tol=1e-4, l1_H=0.0, seed=None, dtype=None, algorithm_params=None):
        self.n_components = n_components
        self.algorithm = algorithm
        self.beta = beta
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.l1_H = l1_H
        self.seed = seed
        self.dtype = dtype
        self.algorithm_params = algorithm_params

    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep=True):
        """Constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor parameters; unknown names raise ValueError."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for NMF; valid: {valid}")
            setattr(self, name, value)
        return self

    def _factorize(self, X, **kwargs):
        """Run :func:`nmfab.factorize` on ``X.T`` with this estimator's parameters."""
        spec = ALGORITHMS.get(self.algorithm)
        if spec is not None and spec.w_blocks is not None:
            raise NmfabError(f"NMF estimator: algorithm {self.algorithm!r} has several columns "
                             "of W per component (components_ would not be K x features); "
                             "use nmfab.factorize")
        return factorize(X.T, self.n_components, algorithm=self.algorithm, beta=self.beta,
                         max_iter=self.max_iter, tol=self.tol, l1_H=self.l1_H, seed=self.seed,
                         dtype=self.dtype, **dict(self.algorithm_params or {}), **kwargs)

    def fit_transform(self, X, y=None):
        """Fit to X (n_samples, n_features) and return the activations (n_samples, K).

        A scipy sparse X is densified (see :func:`nmfab.factorize`).
        """
        X = as_array(X)
        result = self._factorize(X, init=self.init)
        self.result_ = result
        self.components_ = result.W.T
        self.n_components_ = result.W.shape[1]
        self.n_iter_ = result.n_iter
        self.reconstruction_err_ = reconstruction_error(X, result.W.T, result.H.T,
                                                        result.info["beta"])
        return result.H.T

    def fit(self, X, y=None):
        """Fit to X (n_samples, n_features); returns self."""
        self.fit_transform(X)
        return self

    def transform(self, X):
        """Activations (n_samples, K) of X for the fitted components (kept fixed)."""
        X = as_array(X)
        K = self.components_.shape[0]
        xp = namespace(X)
        scale = float(np.sqrt(max(float(xp.mean(X)), 0.0) / K)) or 1.0
        H0 = like(np.full((K, X.shape[0]), scale), X)
        result = self._factorize(X, W0=self.components_.T, H0=H0,
                                 fixed_W=np.ones(K, dtype=bool))
        return result.H.T

    def inverse_transform(self, H):
        """X approximation ``H @ components_``."""
        return H @ self.components_
