#ifndef FLUX_CHIREDIS_SHIM_H
#define FLUX_CHIREDIS_SHIM_H

#include <hiredis/hiredis.h>

/* redisCommand is variadic and cannot be called from Swift; Flux uses redisCommandArgv only. */

/* The reply type constants are macros; give Swift stable names. */
static inline int flux_redis_reply_string(void) { return REDIS_REPLY_STRING; }
static inline int flux_redis_reply_array(void) { return REDIS_REPLY_ARRAY; }
static inline int flux_redis_reply_integer(void) { return REDIS_REPLY_INTEGER; }
static inline int flux_redis_reply_nil(void) { return REDIS_REPLY_NIL; }
static inline int flux_redis_reply_status(void) { return REDIS_REPLY_STATUS; }
static inline int flux_redis_reply_error(void) { return REDIS_REPLY_ERROR; }

#endif
