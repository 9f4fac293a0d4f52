"""Metamorphic variants of real programs (issue 21): transformations that real programs add
(logging, optimizers, clipping, regularisers, moving averages, savers, counters, scopes, casts,
dropout, Keras options...), each of which must not change rnninspect's inspection of a program
except by the delta it declares.

Modules: `programs` (what is transformed), `transforms` (the library), `edits` (source
transformations), `graph_ops` and `keras_ops` (what is added to a built program), `variant`
(writes a variant file), `runtime` (what a variant runs where rnninspect builds it), `delta`
(the truths a variant is compared with), `matrix` (outcomes and the table). Run
`python -m tests.metamorphic --help`.
"""
