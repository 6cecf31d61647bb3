from hooktui.cli.main import main

raise SystemExit(main())
