#ifndef OUTPOST_CLMDB_SHIM_H
#define OUTPOST_CLMDB_SHIM_H
#include <lmdb.h>
#endif
