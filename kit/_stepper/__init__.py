"""Virtual clock, worker threads with pause points, and step-by-step simulations."""
