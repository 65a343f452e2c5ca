"""cmi5 on the service's LRS: the LMS duties of cmi5 sections 8-11 (launch, fetch, rules, LMS statements)."""
