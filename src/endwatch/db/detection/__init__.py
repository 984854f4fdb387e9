"""Detection's storage: sightings, findings and the folded-serial column on deliveries (tables), and the
repository with its candidate lookups."""
