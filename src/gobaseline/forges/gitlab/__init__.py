"""GitLab: CI context, the python-gitlab client, the publisher."""
