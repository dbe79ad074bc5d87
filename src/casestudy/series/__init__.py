"""Many studies: the build, its worker pool and cache, the series report."""
