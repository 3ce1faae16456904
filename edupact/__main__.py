from edupact.cli import main

main()
