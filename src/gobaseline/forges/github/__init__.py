"""GitHub: Actions context, workflow commands and job files, the PyGithub client, the publisher."""
