#ifndef OUTPOST_BENCH_CLMDBRAW_SHIM_H
#define OUTPOST_BENCH_CLMDBRAW_SHIM_H
#include <lmdb.h>
#endif
