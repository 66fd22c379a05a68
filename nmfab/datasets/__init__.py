"""Dataset loaders: one file per dataset.

Real datasets live on the user's disk under ``<data>/<dataset name>/`` in their
own published layout (see README). Each task keeps a registry mapping dataset
names (the values of its ``dataset`` factor) to loader classes; the embedded
synthetic datasets live in :mod:`nmfab.datasets.synthetic` and need no files.
"""
