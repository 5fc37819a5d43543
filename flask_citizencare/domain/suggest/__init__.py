"""Suggestions learned from the municipality's own resolved cases (pure Python, no Flask, no database).

:mod:`.text` turns a report's words into the tokens the model reads (Italian
stemming and stop words), :mod:`.model` is the model itself (category, office,
the most similar past cases), :mod:`.evaluation` measures it, :mod:`.duplicates`
scores possible duplicates, :mod:`.profile_cache` keeps the profiles of the open reports they are
looked for among, and :mod:`.embeddings` is the optional sentence
embedding representation (``pip install 'flask-citizencare[suggest]'``).
"""
