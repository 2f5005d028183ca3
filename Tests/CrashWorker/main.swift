print("crash worker placeholder")
