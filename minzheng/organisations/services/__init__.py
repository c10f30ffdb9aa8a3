"""社会组织 writes: the register (``registry``), the organisation's own account (``accounts``), annual reports
and their review (``reports``), and the daily scan of deadlines and the 活动异常名录 (``scan``)."""
