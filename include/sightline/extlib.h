/* librdkafka and librelp, opened when a Kafka or RELP output or the Kafka
 * score store starts rather than by ld.so at every start.  Include it after
 * <librdkafka/rdkafka.h> or <librelp.h>: it turns their function names into
 * calls through the table the open filled.  Implemented in
 * sensor/output/extlib.c. */
#ifndef SIGHTLINE_EXTLIB_H
#define SIGHTLINE_EXTLIB_H

#include <stddef.h>

/* Why: the two libraries and the 12 more only they pull in (GnuTLS, SASL, ...)
 * cost ld.so 7.2 M of its 12 M instructions before main, in every run,
 * though most runs (pcap replay to a file) use neither.  The lists below
 * and the #defines after them are kept in step by the tools: a name missing
 * from a list does not compile (no such member), one missing from the
 * #defines does not link (the libraries are no longer linked).  The
 * #defines take arguments so that struct tags of the same name
 * (struct rd_kafka_metadata) stay what they are. */
#define SL_EXTLIB_MEMBER(f) __typeof__(&f) f;

#ifdef RD_KAFKA_VERSION
#define SL_RDKAFKA_FUNCS(X) \
	X(rd_kafka_assign) X(rd_kafka_commit) X(rd_kafka_committed) X(rd_kafka_conf_destroy) \
	X(rd_kafka_conf_new) X(rd_kafka_conf_set) X(rd_kafka_conf_set_dr_msg_cb) \
	X(rd_kafka_conf_set_error_cb) X(rd_kafka_conf_set_opaque) \
	X(rd_kafka_conf_set_rebalance_cb) X(rd_kafka_consume_queue) X(rd_kafka_consumer_close) \
	X(rd_kafka_consumer_poll) X(rd_kafka_destroy) X(rd_kafka_err2name) X(rd_kafka_err2str) \
	X(rd_kafka_error_destroy) X(rd_kafka_error_string) X(rd_kafka_flush) \
	X(rd_kafka_get_watermark_offsets) X(rd_kafka_incremental_assign) \
	X(rd_kafka_message_destroy) X(rd_kafka_message_errstr) X(rd_kafka_metadata) \
	X(rd_kafka_metadata_destroy) X(rd_kafka_new) X(rd_kafka_outq_len) X(rd_kafka_poll) \
	X(rd_kafka_poll_set_consumer) X(rd_kafka_position) X(rd_kafka_producev) X(rd_kafka_purge) \
	X(rd_kafka_query_watermark_offsets) X(rd_kafka_queue_destroy) X(rd_kafka_queue_forward) \
	X(rd_kafka_queue_get_partition) X(rd_kafka_subscribe) X(rd_kafka_topic_destroy) \
	X(rd_kafka_topic_name) X(rd_kafka_topic_new) X(rd_kafka_topic_partition_list_add) \
	X(rd_kafka_topic_partition_list_copy) X(rd_kafka_topic_partition_list_destroy) \
	X(rd_kafka_topic_partition_list_new)

struct sl_rdkafka_api {
	SL_RDKAFKA_FUNCS(SL_EXTLIB_MEMBER)
};

/**
 * Open librdkafka (once per process; later calls return the first result):
 * librdkafka.so.1, or the file named by the environment variable
 * SIGHTLINE_LIBRDKAFKA when it is set (SIGHTLINE_LIBRELP for librelp).
 * Returns 0, or -ENOENT with the reason in err (errlen bytes).  Call it
 * before the first rd_kafka_* call of an entry point.
 */
int sl_rdkafka_open(char *err, size_t errlen);
/** The opened functions.  Borrowed; valid for the process's life.  Only
 *  after sl_rdkafka_open() succeeded. */
const struct sl_rdkafka_api *sl_rdkafka(void);

#ifndef SL_EXTLIB_IMPL
#define rd_kafka_assign(...) (sl_rdkafka()->rd_kafka_assign(__VA_ARGS__))
#define rd_kafka_commit(...) (sl_rdkafka()->rd_kafka_commit(__VA_ARGS__))
#define rd_kafka_committed(...) (sl_rdkafka()->rd_kafka_committed(__VA_ARGS__))
#define rd_kafka_conf_destroy(...) (sl_rdkafka()->rd_kafka_conf_destroy(__VA_ARGS__))
#define rd_kafka_conf_new(...) (sl_rdkafka()->rd_kafka_conf_new(__VA_ARGS__))
#define rd_kafka_conf_set(...) (sl_rdkafka()->rd_kafka_conf_set(__VA_ARGS__))
#define rd_kafka_conf_set_dr_msg_cb(...) (sl_rdkafka()->rd_kafka_conf_set_dr_msg_cb(__VA_ARGS__))
#define rd_kafka_conf_set_error_cb(...) (sl_rdkafka()->rd_kafka_conf_set_error_cb(__VA_ARGS__))
#define rd_kafka_conf_set_opaque(...) (sl_rdkafka()->rd_kafka_conf_set_opaque(__VA_ARGS__))
#define rd_kafka_conf_set_rebalance_cb(...) (sl_rdkafka()->rd_kafka_conf_set_rebalance_cb(__VA_ARGS__))
#define rd_kafka_consume_queue(...) (sl_rdkafka()->rd_kafka_consume_queue(__VA_ARGS__))
#define rd_kafka_consumer_close(...) (sl_rdkafka()->rd_kafka_consumer_close(__VA_ARGS__))
#define rd_kafka_consumer_poll(...) (sl_rdkafka()->rd_kafka_consumer_poll(__VA_ARGS__))
#define rd_kafka_destroy(...) (sl_rdkafka()->rd_kafka_destroy(__VA_ARGS__))
#define rd_kafka_err2name(...) (sl_rdkafka()->rd_kafka_err2name(__VA_ARGS__))
#define rd_kafka_err2str(...) (sl_rdkafka()->rd_kafka_err2str(__VA_ARGS__))
#define rd_kafka_error_destroy(...) (sl_rdkafka()->rd_kafka_error_destroy(__VA_ARGS__))
#define rd_kafka_error_string(...) (sl_rdkafka()->rd_kafka_error_string(__VA_ARGS__))
#define rd_kafka_flush(...) (sl_rdkafka()->rd_kafka_flush(__VA_ARGS__))
#define rd_kafka_get_watermark_offsets(...) (sl_rdkafka()->rd_kafka_get_watermark_offsets(__VA_ARGS__))
#define rd_kafka_incremental_assign(...) (sl_rdkafka()->rd_kafka_incremental_assign(__VA_ARGS__))
#define rd_kafka_message_destroy(...) (sl_rdkafka()->rd_kafka_message_destroy(__VA_ARGS__))
#define rd_kafka_message_errstr(...) (sl_rdkafka()->rd_kafka_message_errstr(__VA_ARGS__))
#define rd_kafka_metadata(...) (sl_rdkafka()->rd_kafka_metadata(__VA_ARGS__))
#define rd_kafka_metadata_destroy(...) (sl_rdkafka()->rd_kafka_metadata_destroy(__VA_ARGS__))
#define rd_kafka_new(...) (sl_rdkafka()->rd_kafka_new(__VA_ARGS__))
#define rd_kafka_outq_len(...) (sl_rdkafka()->rd_kafka_outq_len(__VA_ARGS__))
#define rd_kafka_poll(...) (sl_rdkafka()->rd_kafka_poll(__VA_ARGS__))
#define rd_kafka_poll_set_consumer(...) (sl_rdkafka()->rd_kafka_poll_set_consumer(__VA_ARGS__))
#define rd_kafka_position(...) (sl_rdkafka()->rd_kafka_position(__VA_ARGS__))
#define rd_kafka_producev(...) (sl_rdkafka()->rd_kafka_producev(__VA_ARGS__))
#define rd_kafka_purge(...) (sl_rdkafka()->rd_kafka_purge(__VA_ARGS__))
#define rd_kafka_query_watermark_offsets(...) (sl_rdkafka()->rd_kafka_query_watermark_offsets(__VA_ARGS__))
#define rd_kafka_queue_destroy(...) (sl_rdkafka()->rd_kafka_queue_destroy(__VA_ARGS__))
#define rd_kafka_queue_forward(...) (sl_rdkafka()->rd_kafka_queue_forward(__VA_ARGS__))
#define rd_kafka_queue_get_partition(...) (sl_rdkafka()->rd_kafka_queue_get_partition(__VA_ARGS__))
#define rd_kafka_subscribe(...) (sl_rdkafka()->rd_kafka_subscribe(__VA_ARGS__))
#define rd_kafka_topic_destroy(...) (sl_rdkafka()->rd_kafka_topic_destroy(__VA_ARGS__))
#define rd_kafka_topic_name(...) (sl_rdkafka()->rd_kafka_topic_name(__VA_ARGS__))
#define rd_kafka_topic_new(...) (sl_rdkafka()->rd_kafka_topic_new(__VA_ARGS__))
#define rd_kafka_topic_partition_list_add(...) (sl_rdkafka()->rd_kafka_topic_partition_list_add(__VA_ARGS__))
#define rd_kafka_topic_partition_list_copy(...) (sl_rdkafka()->rd_kafka_topic_partition_list_copy(__VA_ARGS__))
#define rd_kafka_topic_partition_list_destroy(...) (sl_rdkafka()->rd_kafka_topic_partition_list_destroy(__VA_ARGS__))
#define rd_kafka_topic_partition_list_new(...) (sl_rdkafka()->rd_kafka_topic_partition_list_new(__VA_ARGS__))
#endif
#endif /* RD_KAFKA_VERSION */

#ifdef RELP_RET_OK
#define SL_RELP_FUNCS(X) \
	X(relpCltConnect) X(relpCltSendSyslog) X(relpCltSetConnTimeout) X(relpCltSetTimeout) \
	X(relpCltSetUsrPtr) X(relpCltSetWindowSize) X(relpEngineCltConstruct) \
	X(relpEngineCltDestruct) X(relpEngineConstruct) X(relpEngineDestruct) \
	X(relpEngineSetDbgprint) X(relpEngineSetEnableCmd) X(relpEngineSetOnErr)

struct sl_relp_api {
	SL_RELP_FUNCS(SL_EXTLIB_MEMBER)
};

/** Open librelp, as sl_rdkafka_open() does librdkafka. */
int sl_relp_open(char *err, size_t errlen);
/** The opened functions.  Borrowed; only after sl_relp_open() succeeded. */
const struct sl_relp_api *sl_relp(void);

#ifndef SL_EXTLIB_IMPL
#define relpCltConnect(...) (sl_relp()->relpCltConnect(__VA_ARGS__))
#define relpCltSendSyslog(...) (sl_relp()->relpCltSendSyslog(__VA_ARGS__))
#define relpCltSetConnTimeout(...) (sl_relp()->relpCltSetConnTimeout(__VA_ARGS__))
#define relpCltSetTimeout(...) (sl_relp()->relpCltSetTimeout(__VA_ARGS__))
#define relpCltSetUsrPtr(...) (sl_relp()->relpCltSetUsrPtr(__VA_ARGS__))
#define relpCltSetWindowSize(...) (sl_relp()->relpCltSetWindowSize(__VA_ARGS__))
#define relpEngineCltConstruct(...) (sl_relp()->relpEngineCltConstruct(__VA_ARGS__))
#define relpEngineCltDestruct(...) (sl_relp()->relpEngineCltDestruct(__VA_ARGS__))
#define relpEngineConstruct(...) (sl_relp()->relpEngineConstruct(__VA_ARGS__))
#define relpEngineDestruct(...) (sl_relp()->relpEngineDestruct(__VA_ARGS__))
#define relpEngineSetDbgprint(...) (sl_relp()->relpEngineSetDbgprint(__VA_ARGS__))
#define relpEngineSetEnableCmd(...) (sl_relp()->relpEngineSetEnableCmd(__VA_ARGS__))
#define relpEngineSetOnErr(...) (sl_relp()->relpEngineSetOnErr(__VA_ARGS__))
#endif
#endif /* RELP_RET_OK */

#endif
