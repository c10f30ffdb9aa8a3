"""社会组织 (social organisations): the registry by credit code, online annual reports and inspection, the
活动异常名录 (issue 19)."""
