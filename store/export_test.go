package store

// MigrationCount is how many migrations exist, for tests.
func MigrationCount() int { return len(migrations) }
