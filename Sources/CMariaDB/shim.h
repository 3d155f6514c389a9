#ifndef FLUX_CMARIADB_SHIM_H
#define FLUX_CMARIADB_SHIM_H

#include <mysql.h>
#include <stdlib.h>
#include <string.h>

/* Prepared statements from Swift: parameters go in as NULL, 64-bit integers or byte strings (bound
   and executed in one call, so the buffers only need to live for the call); every result column comes
   back as a byte string or NULL, in buffers sized from the stored result's maximum lengths. */

enum { FLUX_PARAM_NULL = 0, FLUX_PARAM_INT = 1, FLUX_PARAM_TEXT = 2 };

static inline int flux_stmt_execute(MYSQL_STMT *stmt, unsigned int count, const int *kinds,
                                    const long long *ints, const char *const *texts,
                                    const unsigned long *lengths) {
    MYSQL_BIND *binds = count ? (MYSQL_BIND *)calloc(count, sizeof(MYSQL_BIND)) : NULL;
    for (unsigned int i = 0; i < count; i++) {
        switch (kinds[i]) {
        case FLUX_PARAM_INT:
            binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
            binds[i].buffer = (void *)&ints[i];
            break;
        case FLUX_PARAM_TEXT:
            binds[i].buffer_type = MYSQL_TYPE_STRING;
            binds[i].buffer = (void *)texts[i];
            binds[i].buffer_length = lengths[i];
            binds[i].length = (unsigned long *)&lengths[i];
            break;
        default:
            binds[i].buffer_type = MYSQL_TYPE_NULL;
        }
    }
    int status = 0;
    if (count && mysql_stmt_bind_param(stmt, binds)) status = 1;
    if (!status && mysql_stmt_execute(stmt)) status = 1;
    free(binds);
    return status;
}

typedef struct {
    MYSQL_BIND *binds;
    char **buffers;
    unsigned long *lengths;
    my_bool *nulls;
    unsigned int count;
} flux_result;

/* After a successful execute: stores the result and binds every column as a string. NULL when the
   statement returns no rows (INSERT, UPDATE) or on error (check mysql_stmt_errno). */
static inline flux_result *flux_result_bind(MYSQL_STMT *stmt) {
    MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
    if (!meta) return NULL;
    my_bool update_max = 1;
    mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
    if (mysql_stmt_store_result(stmt)) { mysql_free_result(meta); return NULL; }
    unsigned int n = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    flux_result *r = (flux_result *)calloc(1, sizeof(flux_result));
    r->count = n;
    r->binds = (MYSQL_BIND *)calloc(n ? n : 1, sizeof(MYSQL_BIND));
    r->buffers = (char **)calloc(n ? n : 1, sizeof(char *));
    r->lengths = (unsigned long *)calloc(n ? n : 1, sizeof(unsigned long));
    r->nulls = (my_bool *)calloc(n ? n : 1, sizeof(my_bool));
    for (unsigned int i = 0; i < n; i++) {
        unsigned long capacity = fields[i].max_length + 1;
        if (capacity < 32) capacity = 32;
        r->buffers[i] = (char *)malloc(capacity);
        r->binds[i].buffer_type = MYSQL_TYPE_STRING;
        r->binds[i].buffer = r->buffers[i];
        r->binds[i].buffer_length = capacity;
        r->binds[i].length = &r->lengths[i];
        r->binds[i].is_null = &r->nulls[i];
    }
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(stmt, r->binds)) {
        for (unsigned int i = 0; i < n; i++) free(r->buffers[i]);
        free(r->binds); free(r->buffers); free(r->lengths); free(r->nulls); free(r);
        return NULL;
    }
    return r;
}

static inline void flux_result_free(flux_result *r) {
    if (!r) return;
    for (unsigned int i = 0; i < r->count; i++) free(r->buffers[i]);
    free(r->binds); free(r->buffers); free(r->lengths); free(r->nulls); free(r);
}

static inline const char *flux_result_column(flux_result *r, unsigned int i) { return r->buffers[i]; }
static inline unsigned long flux_result_length(flux_result *r, unsigned int i) { return r->lengths[i]; }
static inline int flux_result_is_null(flux_result *r, unsigned int i) { return r->nulls[i] != 0; }
static inline unsigned long flux_result_capacity(flux_result *r, unsigned int i) { return r->binds[i].buffer_length; }

/* Report UPDATE matches, not only changed rows, as SQLite does. */
static inline unsigned long flux_client_found_rows(void) { return CLIENT_FOUND_ROWS; }

static inline int flux_set_utf8mb4(MYSQL *mysql) {
    return mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
}

static inline int flux_set_timeouts(MYSQL *mysql, unsigned int seconds) {
    mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
    mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &seconds);
    return mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
}

#endif
