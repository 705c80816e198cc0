"""Validate a whole file once against the database, with a few set-based queries, into a
staged plan; apply the plan later with bulk writes in one transaction.

Validation never writes. The plan (`staging.Staged`) holds normalised values only, so applying
it does not parse or validate the file again. `catalog` and `stock` are the two kinds of file;
`cells` reads single cells, `staging` holds what both kinds share.
"""
