package store

// LatestSchemaVersion is the schema version this binary migrates to, for tests.
func LatestSchemaVersion() int {
	ms, err := loadMigrations(embeddedMigrations(), SQLite)
	if err != nil {
		panic(err)
	}
	return len(ms)
}
