-- The snapshot transaction only read, so ending it with rollback is always right.
rollback;
