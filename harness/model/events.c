/* events.c: the events the model costs: key, name and the record fields that count each. */
#include <math.h>
#include <string.h>
#include "model.h"

/* The number at path ("hv_paging_per_op.range_pages": object keys joined by dots) in r; 0 where
 * the record lacks it (a field added since a record was written counts as zero). */
static double field(json_t *r, const char *path)
{
	char key[64];
	for (const char *p = path; r && *p;) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof key)
			return 0;
		memcpy(key, p, n);
		key[n] = 0;
		r = json_object_get(r, key);
		p += n + (p[n] == '.');
	}
	double v = rec_number(r);
	return isnan(v) ? 0 : v;
}

/* Exits to the hv per op: every user exit reason (the record's "in KVM" entry excluded). */
static double hv_exits(json_t *r)
{
	const char *k;
	json_t *v;
	double sum = 0;
	json_object_foreach(json_object_get(r, "exits_per_op"), k, v)
	{
		if (strcmp(k, "in KVM"))
			sum += rec_number(v);
	}
	return sum;
}

double in_kvm_exits(json_t *r)
{
	double n = rec_number(json_object_get(json_object_get(r, "exits_per_op"), "in KVM"));
	return isnan(n) ? fmax(0, field(r, "kvm_stats_per_op.vcpu.exits") - hv_exits(r)) : n;
}

/* In-KVM exits that are no page fault (invlpg, CR3 writes, interrupts, ...). */
static double kvm_other(json_t *r)
{
	return fmax(0, in_kvm_exits(r) - field(r, "kvm_stats_per_op.vcpu.pf_taken"));
}

/* Leaf entries KVM built at a fault for the faulting address: all it built, less those it built
 * ahead of a fault or at a sync (records without those two count every entry here). */
static double sptes_at_fault(json_t *r)
{
	return fmax(0, field(r, "trace.sptes_made.per_op") - field(r, "trace.sptes_synced.per_op") -
			   field(r, "trace.sptes_prefetched.per_op"));
}

/* Pages a lazy fork left pending that the host backs with base pages (records without the
 * huge-page count count them all here). */
static double pending_base(json_t *r)
{
	return fmax(0, field(r, "hv_paging_per_op.fork_pages_pending") -
			   field(r, "trace.fork_pages_pending_huge_per_op"));
}

/* Pages populate=write backed with madvise: those not backed through userfaultfd. */
static double madvised(json_t *r)
{
	return fmax(0, field(r, "hv_paging_per_op.populated_pages") -
			   field(r, "hv_paging_per_op.uffd_populated_pages"));
}

#define VCPU(f) "kvm_stats_per_op.vcpu." f
#define VM(f)	"kvm_stats_per_op.vm." f
#define HV(f)	"hv_paging_per_op." f
#define HC(f)	"hypercalls_per_op." f
#define PV(f)	"pvmmu_per_op." f

const struct event_def events[NEV] = {
    [EV_HV_EXIT] = {"hv_exit", "exit to the hv", {NULL}, hv_exits},
    [EV_KVM_PF] = {"kvm_pf", "in-KVM page fault", {VCPU("pf_taken")}},
    [EV_KVM_OTHER] = {"kvm_other", "other in-KVM exit", {NULL}, kvm_other},
    [EV_TLB_FLUSH] = {"tlb_flush", "KVM TLB flush", {VCPU("tlb_flush")}},
    [EV_HOST_FAULT] = {"host_fault",
		       "host page fault (the hv process, KVM's for it)",
		       {"host_faults_per_op.minor", "host_faults_per_op.major"}},
    [EV_UFFD] = {"uffd", "uffd page (hv thread)", {HV("lazy_pages_copied"), HV("lazy_zero_pages")}},
    [EV_UFFD_FAULT] = {"uffd_fault",
		       "uffd fault (the hv thread woken)",
		       {HV("lazy_missing_faults"), HV("lazy_wp_faults")}},
    [EV_COPIED] = {"fork_copied", "page copied at fork (hv)", {HV("fork_pages_copied")}},
    [EV_PENDING] = {"fork_pending",
		    "page a lazy fork left the child to share (a base page)",
		    {NULL},
		    pending_base},
    [EV_PENDING_HUGE] = {"fork_pending_huge",
			 "page a lazy fork left to share in a huge page (--trace pass)",
			 {"trace.fork_pages_pending_huge_per_op"}},
    [EV_HC_FORK] = {"hc_fork", "fork hypercall", {HC("as_fork")}},
    [EV_HC_RANGE] = {"hc_range",
		     "range hypercall (map, unmap, protect)",
		     {HC("map"), HC("unmap"), HC("protect")}},
    [EV_UNMAPPED_RESIDENT] = {"unmapped_resident",
			      "resident page an unmap or destroy freed (--trace pass)",
			      {"trace.unmapped_resident_pages_per_op"}},
    [EV_PROTECTED_RESIDENT] = {"protected_resident",
			       "resident page a protect changed (--trace pass)",
			       {"trace.protected_resident_pages_per_op"}},
    [EV_HOST_MAPPING] = {"host_mapping",
			 "host mapping a range hypercall or destroy met (--trace pass)",
			 {"trace.host_mappings_per_op"}},
    [EV_POPULATED] = {"populated", "page the host backed at map (madvise)", {NULL}, madvised},
    [EV_POPULATED_UFFD] = {"populated_uffd",
			   "page backed at map through userfaultfd",
			   {HV("uffd_populated_pages")}},
    [EV_PV_UPDATE] = {"pv_update", "pvmmu page-table update", {PV("updates")}},
    [EV_PV_PIN] = {"pv_pin", "pvmmu page-table page pinned", {PV("pins")}},
    [EV_PV_SYNC] = {"pv_sync", "pvmmu store routine run", {PV("syncs")}},
    [EV_GUEST_READ] = {"guest_read",
		       "guest entry KVM re-read (kprobe, --trace pass)",
		       {"trace.guest_reads.per_op"}},
    [EV_SPTE_FAULT] =
	{"spte_fault",
	 "leaf entry KVM built for a faulting address (make_spte; kprobe, --trace pass)",
	 {NULL},
	 sptes_at_fault},
    /* one event for both: each is a guest entry read and checked and a leaf entry built, apart
     * from the fault's own work; as two events, one cell (ptefree's first touch, 7 of 8 pages
     * mapped ahead) alone held the prefetch cost and was off by 46% when left out */
    [EV_SPTE_MORE] =
	{"spte_more",
	 "leaf entry KVM built ahead of a fault or rebuilt at a sync (kprobes, --trace "
	 "pass)",
	 {"trace.sptes_prefetched.per_op", "trace.sptes_synced.per_op"}},
    [EV_SP_SYNC] = {"sp_sync",
		    "shadow page KVM synced (tracepoint, --trace pass)",
		    {"trace.pages_synced.per_op"}},
    [EV_SPTE_ZAP] = {"spte_zap",
		     "leaf NPT entry a host invalidation cleared (tracepoint, --trace pass)",
		     {"trace.sptes_zapped.per_op"}},
    [EV_EMULATE] = {"emulate", "instruction KVM emulated", {VCPU("insn_emulation")}},
    [EV_SP_NEW] = {"sp_new", "shadow page KVM allocated", {VM("mmu_cache_miss")}},
    [EV_SP_ZAP] = {"sp_zap", "shadow page KVM zapped", {VM("mmu_shadow_zapped")}},
};

double event_count(const struct event_def *e, json_t *r)
{
	if (e->read)
		return e->read(r);
	double sum = 0;
	for (int i = 0; i < EVENT_FIELDS && e->fields[i]; i++)
		sum += field(r, e->fields[i]);
	return sum;
}
