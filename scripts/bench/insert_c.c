/* Reference: insert N metric points into the real `metrics` table with the C API,
 * one prepared statement, one transaction. Usage: insert_c DB N */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: insert_c DB N\n"); return 2; }
    long n = atol(argv[2]);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) { fprintf(stderr, "open: %s\n", sqlite3_errmsg(db)); return 1; }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", 0, 0, 0);
    sqlite3_exec(db, "INSERT INTO runs (run_uuid, experiment_id, start_time) VALUES ('cccccccccccccccccccccccccccccccc', 0, 0);", 0, 0, 0);
    sqlite3_int64 run = sqlite3_last_insert_rowid(db);
    sqlite3_exec(db, "INSERT OR IGNORE INTO metric_keys (key) VALUES ('k0'),('k1'),('k2'),('k3'),('k4'),('k5'),('k6'),('k7'),('k8'),('k9');", 0, 0, 0);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO metrics (run_id, key_id, step, time, value) VALUES (?, ?, ?, ?, ?)", -1, &st, 0);
    double t0 = now();
    sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0);
    for (long i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_int64(st, 2, 1 + i % 10);
        sqlite3_bind_int64(st, 3, i / 10);
        sqlite3_bind_int64(st, 4, 1764000000000LL + i);
        sqlite3_bind_double(st, 5, (double)i * 0.001);
        if (sqlite3_step(st) != SQLITE_DONE) { fprintf(stderr, "step: %s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", 0, 0, 0) != SQLITE_OK) { fprintf(stderr, "commit: %s\n", sqlite3_errmsg(db)); return 1; }
    double dt = now() - t0;
    printf("%.0f\n", n / dt);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}
