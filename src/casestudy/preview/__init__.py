"""The author's loop: the server and the watcher."""
