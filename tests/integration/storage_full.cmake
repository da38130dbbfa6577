# A full store, for real: lienlogd --demo under a file-size limit
# (RLIMIT_FSIZE, always) and on a small filled tmpfs (when root or a user
# namespace can mount one); writes answer 507 storage_full and change
# nothing, reads keep working, writes resume when room returns (issue 11
# class 7). Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.storage_full
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_storage_full.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.storage_full PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
