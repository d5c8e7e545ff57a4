/*
 * fuzz_data.h - the repository's reference data (the CSV files of data/) as libpq
 * results, for fuzz targets whose code under test takes what the database
 * would have returned.  Built with PQmakeEmptyPGresult: no connection.
 */
#ifndef EQ_FUZZ_DATA_H
#define EQ_FUZZ_DATA_H

#include <libpq-fe.h>

/*
 * The columns named (NULL-terminated) of data/<file>, one row per record;
 * an empty field becomes SQL NULL.  Aborts when the file cannot be read:
 * a fuzz target without its data would fuzz nothing.  The caller PQclears.
 */
PGresult *fuzz_data_result(const char *file, const char *const *columns);

#endif
