// The functional tests run node processes, the load driver (which saturates the CPU on purpose) and the
// quickstart (whose per-node shares a saturated machine skews): one at a time, so none disturbs another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
