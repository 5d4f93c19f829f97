"""What users do with vectors: evaluation, choosing negatives (tune), recommendation, plots."""
