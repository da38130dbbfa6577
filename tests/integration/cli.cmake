# lienlog CLI integration tests (owned with tools/cli_*.c). Included from
# tests/integration/CMakeLists.txt. mkfixtures builds a real store and the
# auditor's files with the ledger library; test_cli.py drives the real
# lienlog binary over them, positive and negative.
if(TARGET lienlog)
	add_executable(cli_mkfixtures ${CMAKE_CURRENT_LIST_DIR}/mkfixtures.c)
	target_link_libraries(cli_mkfixtures PRIVATE lien_ledger
		PkgConfig::JANSSON)
	add_test(NAME integration.cli
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_cli.py
			--lienlog $<TARGET_FILE:lienlog>
			--mkfixtures $<TARGET_FILE:cli_mkfixtures>)
	set_tests_properties(integration.cli PROPERTIES LABELS integration
		TIMEOUT 600)
endif()
