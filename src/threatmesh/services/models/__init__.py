"""Models shared as indicators: publish a trained model as a signed ``ml-model`` MISP
object, import another organisation's model as an expert of our ensemble (issue 17).

Through the MISP REST API only, so it works against MISP too.
"""
