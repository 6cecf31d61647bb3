from hooktui.cli import main

raise SystemExit(main())
