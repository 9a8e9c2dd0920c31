"""What a workspace holds and who works in it: environments, workspaces, artifacts, connections, resources,
projects, users and service accounts."""
