"""Detection use cases: train, score captures and flows, publish detections, the lab."""
