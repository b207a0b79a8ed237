// Every file of this target sees the shared test support (TempDir, tracker(), ok(), golden
// files, fixtures, requireJSON) without importing it.
@_exported import TestSupport
