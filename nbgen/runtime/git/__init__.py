"""Code from a git repository: cloned once onto the runtime's disk, pulled fast-forward after,
never with the token in a URL or a file. ``urls`` (what GIT_URL may be), ``run`` (the git
process and what its errors mean), ``checkout`` (clone, pull, the work folder), ``text`` (the
messages, in English and Chinese). Nothing is imported here.
"""
